package recipe

import (
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/trigger/schedule"
)

// validateSchedule checks a schedule trigger: every or cron, and the
// timezone the cron is read in.
func (d *Document) validateSchedule(add func(string, string, ...any)) {
	t := d.Trigger
	if t.Event != "" {
		add("trigger.event", "only webhook triggers have an event")
	}
	if t.URL != "" || t.ItemsPath != "" || t.IDPath != "" {
		add("trigger", "url, items_path and id_path belong to a polling trigger, not a schedule")
	}
	if _, err := schedule.Parse(time.Duration(t.Every), t.Cron, t.Timezone); err != nil {
		path, msg := problemPath(err.Error())
		add(path, "%s", msg)
	}
}

// problemPath splits a "path: message" error into its parts.
func problemPath(msg string) (string, string) {
	if path, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(path, "trigger") && !strings.Contains(path, " ") {
		return path, rest
	}
	return "trigger", msg
}

// scheduleTree is the output of a schedule trigger.
func scheduleTree() []payload.Field {
	return []payload.Field{
		{Path: "scheduled_time", Name: "scheduled_time", Type: "string", Format: "date-time"},
		{Path: "actual_time", Name: "actual_time", Type: "string", Format: "date-time"},
	}
}
