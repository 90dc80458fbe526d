// The shared helpers (Run, Package, ProcessRunner), seen by every file here.
@_exported import TestSupport
