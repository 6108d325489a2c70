package bench

import (
	"math/bits"
	"time"
)

// A Histogram records durations in log-linear buckets, like HDR histograms:
// every power of two is split into subBuckets equal parts, so any recorded
// value is known to within 1/subBuckets (< 0.8 %) whatever its size, with a
// fixed array and no allocation per record. The exact minimum and maximum
// are kept besides.
//
// It is not safe for concurrent use: each load-generator worker owns one
// and they are merged after the run.
type Histogram struct {
	counts [numBuckets]uint64
	n      uint64
	min    int64
	max    int64
}

const (
	subBits    = 7
	subBuckets = 1 << subBits // 128 steps per power of two
	// Values up to 2^47 ns (~39 hours) fit; larger ones land in the last bucket.
	maxExp     = 47 - subBits
	numBuckets = (maxExp + 2) * subBuckets
)

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{min: -1} }

// bucketOf maps a value to its bucket: values below subBuckets map to
// themselves; above, the bucket is (exponent, top subBits bits of the value).
func bucketOf(v int64) int {
	if v < subBuckets {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	e := bits.Len64(uint64(v)) - subBits - 1 // shift that leaves subBits+1 significant bits
	if e > maxExp {
		return numBuckets - 1
	}
	return (e+1)*subBuckets + int(v>>e) - subBuckets
}

// lowOf is the smallest value of bucket b; highOf the largest.
func lowOf(b int) int64 {
	if b < subBuckets {
		return int64(b)
	}
	e := b/subBuckets - 1
	m := int64(b%subBuckets + subBuckets)
	return m << e
}

func highOf(b int) int64 {
	if b < subBuckets {
		return int64(b)
	}
	e := b/subBuckets - 1
	return lowOf(b) + (int64(1) << e) - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	h.counts[bucketOf(v)]++
	h.n++
	if h.min < 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	if h.min < 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
}

// Count is the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded value, exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Quantile returns the value below which a fraction q of the records fall
// (nearest rank), as the middle of its bucket, clamped to the exact min and
// max so that p0 and p100 are exact.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank >= h.n {
		return time.Duration(h.max)
	}
	if rank == 1 {
		return time.Duration(h.min)
	}
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen >= rank {
			v := (lowOf(b) + highOf(b)) / 2
			if v < h.min {
				v = h.min
			}
			if v > h.max {
				v = h.max
			}
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
