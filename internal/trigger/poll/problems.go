package poll

import (
	"strings"

	"github.com/patchbay/patchbay/internal/recipe"
)

// Problems is what Compile returns for a trigger that does not validate:
// every problem with its path, in the recipe validator's own type, so that
// a caller can answer 422 with them as they are.
type Problems []recipe.Problem

func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}
