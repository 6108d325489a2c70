package schedule

// FieldError is a bad schedule, naming the recipe document field at fault
// ("trigger.cron", "trigger.every", "trigger.timezone" or "trigger") so that
// validation can report it under that path.
type FieldError struct {
	Path    string
	Message string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

func fieldError(path, message string) *FieldError {
	return &FieldError{Path: path, Message: message}
}
