package blocklog

// writebackBytes is how much a segment grows between two starts of its
// writeback. Without them the pages of every block appended since the last
// Sync stay dirty (the kernel holds them for up to 30 s), and Sync, at each
// raft snapshot, writes tens of megabytes at once: the WAL's own small syncs
// wait behind that burst, and every commit with them. Started a megabyte at
// a time, the writes spread out as the blocks come.
const writebackBytes = 1 << 20
