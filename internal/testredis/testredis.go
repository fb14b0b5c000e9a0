// Package testredis tells tests where their Redis is: REDIS_URL's host and
// port (default 127.0.0.1:6379), so that several checkouts can run their
// tests at once, each against a Redis of its own.
package testredis

import (
	"net/url"
	"os"
	"strconv"
)

// Addr is host:port of the tests' Redis.
func Addr() string {
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		return "127.0.0.1:6379"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "127.0.0.1:6379"
	}
	return u.Host
}

// URL is a redis:// URL of database db on the tests' Redis.
func URL(db int) string {
	return "redis://" + Addr() + "/" + strconv.Itoa(db)
}
