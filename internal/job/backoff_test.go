package job

import (
	"testing"
	"time"
)

func TestBackoffGrowsWithJitterAndHonoursRetryAfter(t *testing.T) {
	r := &Runner{RetryBase: time.Second}
	for attempt := 1; attempt <= 5; attempt++ {
		full := time.Second << (attempt - 1)
		for i := 0; i < 200; i++ {
			d := r.backoff(attempt, 0)
			if d < full/2 || d > full {
				t.Fatalf("attempt %d: backoff %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
	if d := r.backoff(1, 7*time.Second); d != 7*time.Second {
		t.Errorf("Retry-After 7s longer than the backoff: waited %v", d)
	}
	if d := r.backoff(60, 0); d > maxBackoff {
		t.Errorf("attempt 60: backoff %v over the cap %v", d, maxBackoff)
	}
}
