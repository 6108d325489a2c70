package poll

import (
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/recipe"
)

// ExampleRecord returns the first record of the trigger's response
// example: the datatree of a polling trigger is that of one record, since
// each job's trigger output is one record.
func ExampleRecord(t recipe.Trigger) (any, error) {
	t = withDefaults(t)
	path, err := parseFieldPath(t.ItemsPath)
	if err != nil {
		return nil, fmt.Errorf("trigger.items_path: %v", err)
	}
	return exampleRecord(t, path)
}

func exampleRecord(t recipe.Trigger, items fieldPath) (any, error) {
	if t.ResponseExample == "" {
		return nil, errors.New("there is no response example to take a record from")
	}
	body, err := recipe.ParseExample(t.ResponseType, string(t.ResponseExample))
	if err != nil {
		return nil, fmt.Errorf("does not parse as %s: %v", t.ResponseType, err)
	}
	list, err := itemsAt(body, items, t.ResponseType)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("the list at %s is empty: give at least one record", itemsLocation(items))
	}
	return list[0], nil
}
