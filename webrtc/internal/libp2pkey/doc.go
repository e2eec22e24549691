// Package libp2pkey holds libp2p identities without go-libp2p: peer ids
// and the PublicKey/PrivateKey protobuf encodings of the libp2p peer-id
// specification, decoded and encoded by hand with protowire.
//
// It exists for the browser build: go-libp2p's core/crypto and core/peer
// pull in generated protobuf packages, whose reflection makes Go's linker
// keep every exported method of every type converted to an interface and
// doubles the size of the wasm binary. encoding/protowire alone does not.
//
// # Keys
//
// Only Ed25519 keys are supported for use (signing, verification, peer id
// derivation). Keys of the other libp2p types (RSA, Secp256k1, ECDSA)
// decode structurally but are refused with ErrUnsupportedKey (an
// *UnsupportedKeyError says which type). PublicKey.Marshal and
// PrivateKey.Marshal give the same bytes as go-libp2p's MarshalPublicKey
// and MarshalPrivateKey.
//
// The decoders follow protobuf semantics where go-libp2p's generated code
// would accept the input (unknown fields are skipped, the last of repeated
// scalar fields wins, both Type and Data are required) and are stricter
// where being lax buys nothing: a known field with the wrong wire type, a
// key type outside int32, a private key whose embedded public half does
// not match its seed are ErrMalformedKey.
//
// # Peer ids
//
// An ID is a multihash: the identity multihash of the marshalled public
// key when that is at most 42 bytes (every Ed25519 key: "12D3KooW..."),
// else its sha2-256 multihash ("Qm..."). ParseID reads both base58btc forms
// and the CIDv1 form (multibase, codec libp2p-key), as the specification
// says: strings starting with "1" or "Qm" are bare base58btc multihashes,
// anything else is a CID. It accepts only identity (at most 42 bytes,
// holding a canonically encoded key of a known type) and sha2-256
// multihashes with minimal varints; go-libp2p accepts any multihash, but no
// other kind can be derived from a key.
package libp2pkey
