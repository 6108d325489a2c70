// Package schedule says when a schedule trigger fires. It is pure: every
// function takes the current time as an argument, so the durable machinery
// (ticks as queue jobs unique by recipe and due time) and the tests inject
// the clock.
//
// # Two kinds of schedule
//
// An every schedule (trigger.every, at least 1s) ticks at fixed elapsed
// intervals anchored to the previous due tick: after a tick due at d the next
// is due at d+every, whatever the wall clock says, so it ignores time zones
// and daylight saving time.
//
// A cron schedule (trigger.cron, five fields "minute hour day-of-month month
// day-of-week" or @hourly, @daily, @weekly, @monthly, @yearly) is read on the
// wall clock of trigger.timezone (an IANA name, UTC by default). When both
// day-of-month and day-of-week are restricted (neither starts with "*"), a
// day matching either one fires, as crontab(5) says.
//
// # Daylight saving time
//
// Cron expressions name wall-clock times, and a DST change makes some wall
// times not exist (spring forward) and others happen twice (fall back).
// robfig/cron, which parses the expressions, gets both wrong for times that
// fall in the change: its Next skips the whole day when 02:30 does not exist
// and fires twice when 02:30 happens twice (it also panics on "TZ=UTC"
// without a trailing field). So this package keeps the parser and does its
// own search, with the rules of cron(8) and RFC 5545 §3.3.5:
//
//   - A schedule whose minute or hour field is a wildcard ("*", "*/15";
//     cron(8) calls these jobs that "run more frequently" than a fixed time)
//     follows elapsed time: it fires whenever the wall clock shows a
//     matching time. A wall time that does not exist is not due; one that
//     happens twice fires at both, so "*/15 * * * *" keeps firing every 15
//     minutes through either change.
//   - A schedule with a fixed minute and hour ("30 2 * * *", "@daily") fires
//     once on every matching day. A wall time that happens twice fires at
//     its first occurrence only. A wall time that does not exist fires
//     shifted forward by the length of the gap: in Europe/Berlin on
//     2026-03-29, 02:30 becomes 03:30 CEST, exactly 24 hours after the day
//     before's 02:30 CET. The day is never skipped.
//
// # Catch-up after downtime
//
// If ticks were missed while patchbay was down, exactly one catch-up tick is
// due at once, for the latest missed due time, and not one per missed tick:
// a recipe that ran every minute and was down for a day runs once when it
// comes back, not 1,440 times. After the catch-up, ticks continue from it as
// usual. See [Schedule.After].
//
// # First event
//
// A recipe fires as soon as it starts ([Schedule.First]), as the seed's
// "New scheduled event" trigger does, and then follows its schedule.
package schedule
