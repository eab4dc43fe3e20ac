//go:build !unix

package hashtab

func allocSlots(n uint64) ([]slot, func()) { return make([]slot, n), func() {} }

func freeWhenUnreachable(*Table) {}
