package api

import (
	"reflect"
	"testing"
	"time"

	"lightdas/headers/headertest"
)

func TestHeaderEventFor(t *testing.T) {
	lb := headertest.MustChain(headertest.Config{}, 2).Head()
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	got := HeaderEventFor(lb, now)
	want := &HeaderEvent{Height: 2, Hash: lb.Hash().String(), K: lb.Header.K(), Time: lb.Header.Time, ReceivedAt: now}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}
