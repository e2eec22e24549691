package producer

import (
	"encoding/binary"
	"errors"
	"fmt"

	"lightdas/kzg"
)

// Blob packing. Submitted data travels in blobs as a byte stream of
// records, each a u32 big-endian length (at least 1) and that many bytes;
// a zero length, or the end of the last blob, ends the stream, and every
// byte after the end is zero. The stream fills field elements 31 bytes at
// a time: each 32-byte element is a zero byte then 31 stream bytes, so it
// is below the scalar modulus (canonical) whatever the data. A blob
// carries PayloadPerBlob bytes; records run across blob boundaries.
const (
	PayloadPerElement = kzg.BytesPerFieldElement - 1
	PayloadPerBlob    = PayloadPerElement * kzg.FieldElementsPerBlob // 126976
	recordHeader      = 4
)

// Packing errors.
var (
	// ErrEmptyRecord: zero-length data (a zero length ends the stream).
	ErrEmptyRecord = errors.New("producer: empty data")
	// ErrTooLarge: data that does not fit the blobs available.
	ErrTooLarge = errors.New("producer: data too large")
	// ErrPacking: blobs that are not a valid packed stream.
	ErrPacking = errors.New("producer: blobs are not a packed stream")
)

// StreamSize is the packed size of records, in stream bytes.
func StreamSize(records [][]byte) int {
	n := 0
	for _, r := range records {
		n += recordHeader + len(r)
	}
	return n
}

// BlobsFor is the number of blobs a stream of size bytes fills.
func BlobsFor(size int) int { return (size + PayloadPerBlob - 1) / PayloadPerBlob }

// Pack packs records into the fewest blobs that hold them, at most
// maxBlobs.
func Pack(records [][]byte, maxBlobs int) ([]kzg.Blob, error) {
	for i, r := range records {
		if len(r) == 0 {
			return nil, fmt.Errorf("%w: record %d", ErrEmptyRecord, i)
		}
		if uint64(len(r)) > uint64(maxBlobs)*PayloadPerBlob {
			return nil, fmt.Errorf("%w: record %d of %d bytes", ErrTooLarge, i, len(r))
		}
	}
	size := StreamSize(records)
	n := BlobsFor(size)
	if n > maxBlobs {
		return nil, fmt.Errorf("%w: %d stream bytes need %d blobs, at most %d", ErrTooLarge, size, n, maxBlobs)
	}
	stream := make([]byte, 0, n*PayloadPerBlob)
	for _, r := range records {
		stream = binary.BigEndian.AppendUint32(stream, uint32(len(r)))
		stream = append(stream, r...)
	}
	stream = stream[:n*PayloadPerBlob] // zero padding ends the stream
	blobs := make([]kzg.Blob, n)
	for i := range blobs {
		src := stream[i*PayloadPerBlob:]
		for e := range kzg.FieldElementsPerBlob {
			copy(blobs[i][e*kzg.BytesPerFieldElement+1:(e+1)*kzg.BytesPerFieldElement], src[e*PayloadPerElement:])
		}
	}
	return blobs, nil
}

// Unpack recovers the records packed into blobs, strictly: every
// element's first byte zero, lengths within the stream, nothing but zeros
// after its end.
func Unpack(blobs []kzg.Blob) ([][]byte, error) {
	stream := make([]byte, 0, len(blobs)*PayloadPerBlob)
	for i := range blobs {
		for e := range kzg.FieldElementsPerBlob {
			el := blobs[i][e*kzg.BytesPerFieldElement : (e+1)*kzg.BytesPerFieldElement]
			if el[0] != 0 {
				return nil, fmt.Errorf("%w: blob %d element %d has a non-zero first byte", ErrPacking, i, e)
			}
			stream = append(stream, el[1:]...)
		}
	}
	var records [][]byte
	for len(stream) >= recordHeader {
		n := binary.BigEndian.Uint32(stream)
		if n == 0 {
			break
		}
		stream = stream[recordHeader:]
		if uint64(n) > uint64(len(stream)) {
			return nil, fmt.Errorf("%w: record %d of %d bytes with %d left", ErrPacking, len(records), n, len(stream))
		}
		records = append(records, append([]byte(nil), stream[:n]...))
		stream = stream[n:]
	}
	for i, b := range stream {
		if b != 0 {
			return nil, fmt.Errorf("%w: non-zero byte %d after the end of the stream", ErrPacking, i)
		}
	}
	return records, nil
}

// BlobsOf returns the first n original rows of an extended block as
// blobs: an original row's cells 0..63 are its blob's 4096 evaluations
// (the first half of the extension, in bit-reversed order, is the blob).
func BlobsOf(b *kzg.ExtendedBlock, n int) ([]kzg.Blob, error) {
	if b == nil || n < 0 || n > b.K || len(b.Cells) < b.K {
		return nil, fmt.Errorf("%w: %d blobs of a block", kzg.ErrInput, n)
	}
	const half = kzg.CellsPerRow / 2
	blobs := make([]kzg.Blob, n)
	for r := range blobs {
		for c := range half {
			copy(blobs[r][c*kzg.BytesPerCell:], b.Cells[r][c][:])
		}
	}
	return blobs, nil
}
