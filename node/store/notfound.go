package store

import (
	"errors"

	"lightdas/das"
	"lightdas/headers"
)

func isNotFound(err error) bool {
	return errors.Is(err, headers.ErrNotFound) || errors.Is(err, das.ErrUnknownBlock)
}
