// Package kzg implements EIP-7594 (PeerDAS) KZG cell commitments, proofs and
// batch verification over BLS12-381 with the Ethereum ceremony setup, plus
// lightdas's two-dimensional extension: a block of k original rows (blobs)
// extended to 2k rows, where an extended row's commitment and proofs are
// linear combinations of the originals' and are never trusted from the
// network.
//
// Encodings follow the consensus specs byte for byte: field elements are 32
// bytes big-endian and canonical, G1 points are 48-byte compressed (ZCash
// flags; the only accepted infinity is 0xc0 followed by zeros), cells hold 64
// evaluations on the coset of the 8192nd roots of unity picked by their
// index in bit-reversed order. Decoders reject bad input with errors that
// wrap the sentinels of errors.go.
//
// # Trusted setup
//
// The setup is embedded as two binary files generated from
// ../../shared/testdata/kzg/trusted_setup.txt by internal/gensetup (go
// generate), which checks every point (curve, subgroup, not infinity) and the
// consistency of the three lists with randomized pairing and MSM checks. The
// text file's G1 Lagrange points are in natural order (c-kzg-4844 applies the
// bit-reversal permutation when loading), which the generator checks. The
// files hold raw affine coordinates (and, for the verifier, the precomputed
// Miller-loop lines of its two G2 points) and are pinned by SHA-256, so
// loading needs no square root, subgroup check or G2 arithmetic. A binary
// that only verifies links only the verifier file (55 KB), not the prover's
// 4096 points.
//
// # Batch verification
//
// Verifier.VerifyCellProofBatch is the spec's verify_cell_kzg_proof_batch;
// Verifier.VerifySamples checks samples of a 2D block against its k original
// commitments only, folding each extended row's Lagrange weights into the
// random linear combination. Both check the spec's universal equation with
// one pairing product over two fixed G2 points, one 64-point inverse FFT per
// distinct column, and two multi-exponentiations; the random coefficients
// come from a SHA-256 Fiat-Shamir transcript of all inputs and are 128-bit
// GLV-shaped, so that the combination of the proofs is an MSM with 64-bit
// scalars.
package kzg

//go:generate go run ./internal/gensetup/cmd/gensetup -in ../../shared/testdata/kzg/trusted_setup.txt -out .
