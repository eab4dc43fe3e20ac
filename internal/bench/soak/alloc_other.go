//go:build !linux

package soak

import "io/fs"

// allocated is the file's size where its blocks are not known.
func allocated(fi fs.FileInfo) int64 { return fi.Size() }
