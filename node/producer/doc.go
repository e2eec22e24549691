// Package producer makes the devnet's blocks: it packs submitted data (or
// random data) into blobs, 2D-encodes them with the KZG prover, builds and
// signs the header with the genesis validators' keys from a local
// keystore, and hands the result to the header store, the extended-block
// store and a callback.
package producer
