package job

import (
	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
)

type connectionLive = connection.Live

func newEnv(trigger any, steps int) pill.Env {
	return pill.Env{Trigger: trigger, Steps: make(map[string]any, steps)}
}

// decodeTree reads a stored trigger output; numbers stay exact.
func decodeTree(b []byte) (any, error) {
	if len(b) == 0 {
		return map[string]any{}, nil
	}
	return payload.ParseJSON(b, payload.DefaultLimits())
}
