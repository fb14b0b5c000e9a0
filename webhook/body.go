package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// chunkBytes is the unit in which a body is read and counted against the
// unauthenticated-bytes budget.
const chunkBytes = 32 << 10

// DefaultUnauthenticatedBytes bounds the body bytes the whole receiver holds
// before their signature is checked: room for two of the largest deliveries.
const DefaultUnauthenticatedBytes = 2 * MaxBodyBytes

// DefaultBodyWait is how long a read waits for room in the unauthenticated
// budget before the delivery is answered 503.
const DefaultBodyWait = time.Second

// signaturePrefix starts X-Hub-Signature-256; 64 lowercase hex digits follow.
const signaturePrefix = "sha256="

var (
	errBusy     = errors.New("unauthenticated body budget exhausted")
	errTooLarge = errors.New("body over the maximum")
)

// chunkPool recycles the read buffers of unauthenticated bodies.
var chunkPool = sync.Pool{New: func() any { return new([chunkBytes]byte) }}

// parseSignature accepts exactly "sha256=" and 64 lowercase hex digits and
// returns the 32-byte MAC.
func parseSignature(v string) ([]byte, bool) {
	if len(v) != len(signaturePrefix)+2*sha256.Size || v[:len(signaturePrefix)] != signaturePrefix {
		return nil, false
	}
	digits := v[len(signaturePrefix):]
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return nil, false
		}
	}
	mac, err := hex.DecodeString(digits)
	return mac, err == nil
}

// bodyReader reads request bodies in fixed chunks, each counted against a
// budget shared by every request of the Handler, and hashes them as they
// come; only once the signature matches is the body copied into one slice.
type bodyReader struct {
	secrets [][]byte
	budget  *semaphore.Weighted
	wait    time.Duration
}

// readVerified reads at most MaxBodyBytes of body, whatever Content-Length
// announced, and checks mac against every secret in constant time. It
// returns errBusy when the budget stays full for longer than the wait,
// errTooLarge past MaxBodyBytes, or the read error.
func (b *bodyReader) readVerified(ctx context.Context, w http.ResponseWriter, r io.ReadCloser, mac []byte) (body []byte, ok bool, err error) {
	macs := make([]hash.Hash, len(b.secrets))
	for i, s := range b.secrets {
		macs[i] = hmac.New(sha256.New, s)
	}
	var chunks []*[chunkBytes]byte
	total := 0
	defer func() {
		for _, c := range chunks {
			chunkPool.Put(c)
		}
		if n := int64(len(chunks)) * chunkBytes; n > 0 {
			b.budget.Release(n)
		}
	}()
	src := http.MaxBytesReader(w, r, MaxBodyBytes)
	for {
		if err := b.acquire(ctx); err != nil {
			return nil, false, err
		}
		c := chunkPool.Get().(*[chunkBytes]byte)
		chunks = append(chunks, c)
		n, err := io.ReadFull(src, c[:])
		total += n
		for _, m := range macs {
			m.Write(c[:n])
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, false, errTooLarge
			}
			return nil, false, err
		}
	}
	for _, m := range macs {
		ok = hmac.Equal(m.Sum(nil), mac) || ok
	}
	if !ok {
		return nil, false, nil
	}
	// Authenticated: one allocation of the exact size. It is not pooled:
	// the decoded payload may share its bytes.
	body = make([]byte, total)
	rest := body
	for _, c := range chunks {
		rest = rest[copy(rest, c[:]):]
	}
	return body, true, nil
}

// acquire takes one chunk of the budget, waiting at most b.wait.
func (b *bodyReader) acquire(ctx context.Context) error {
	if b.budget.TryAcquire(chunkBytes) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, b.wait)
	defer cancel()
	if err := b.budget.Acquire(ctx, chunkBytes); err != nil {
		return errBusy
	}
	return nil
}
