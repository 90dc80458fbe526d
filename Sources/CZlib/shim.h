// zlib: inflate for gzip-compressed IDX files, crc32 for integrity checks.
#include <zlib.h>
