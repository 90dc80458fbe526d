// libpng: the simplified png_image API reads any PNG into 8-bit gray without setjmp/longjmp.
#include <png.h>
