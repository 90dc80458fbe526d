// libdeflate: whole-buffer gzip decompression, about 2.5 times zlib's speed on MNIST's training
// images (Gzip.swift takes it for single-member files whose trailer gives the size).
#include <libdeflate.h>
