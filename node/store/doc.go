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
// Layout (schema version 2, all integers big-endian):
//
//	meta            "schema" -> u32 version; "chain" -> chain id
//	headers         u64 height -> u8 1 | u16 n | header (n) | commit
//	header-hashes   header hash -> u64 height
//	validator-sets  set hash -> u8 1 | u64 references | set (wire encoding)
//	blocks          u64 height | hash -> u8 1 | u8 k | 2k x commitment
//	block-rows      u64 height | hash | u8 row -> row record (below)
//	sampler         "checkpoint" -> das.Checkpoint binary encoding
//
// A row record is version 2 (268,801 bytes) or version 1 (268,293):
//
//	version 2  u8 2 | 128 x (cell (2048) | proof (48) | u32 CRC-32C)
//	           each CRC over: row key (41) | u8 column | cell | proof
//	version 1  u8 1 | 128 x cell | 128 x proof | u32 CRC-32C of the
//	           preceding bytes
//
// Writes are version 2, so serving a cell checksums its own 2,100 bytes
// rather than the whole row; reading a whole row checks all 128
// entries. Version 1 records, written before schema 2, are still read
// (their whole row checked once per read). A schema 1 file opens as it
// is and becomes schema 2 with its first Put; a build that reads only
// schema 1 then refuses it (ErrSchema) instead of taking version 2 rows
// for damage.
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
