// Package store persists a node's state in one embedded bbolt database
// file: the verified header chain (a headers.Store), the extended blocks a
// full node serves (a das.BlockStore), and the sampler's checkpoint (a
// das.CheckpointStore).
//
// Every write is one bbolt transaction, so a crash leaves the file as it
// was before or after the write, never in between. Everything read back is
// decoded strictly: a damaged value yields an error wrapping ErrCorrupt,
// never a panic or a silently wrong answer.
//
// Layout (schema version 1, all integers big-endian):
//
//	meta            "schema" -> u32 version; "chain" -> chain id
//	headers         u64 height -> u8 1 | u16 n | header (n) | commit
//	header-hashes   header hash -> u64 height
//	validator-sets  set hash -> u8 1 | u64 references | set (wire encoding)
//	blocks          u64 height | hash -> u8 1 | u8 k | 2k x commitment
//	block-rows      u64 height | hash | u8 row -> u8 1 | 128 x cell |
//	                128 x proof | u32 CRC-32C of the preceding bytes
//	sampler         "checkpoint" -> das.Checkpoint binary encoding
//
// Validator sets are stored once per set and reference-counted by the
// headers that name them, so a chain of 1024 validators does not repeat
// 150 KB per header. Extended blocks are stored a row per value (about
// 262 KB) so that serving a sample reads one row, not the whole block.
//
// The database uses file locking and mmap and is native-only (not built
// for js/wasm, where the browser build persists to IndexedDB); the value
// codecs build everywhere.
package store
