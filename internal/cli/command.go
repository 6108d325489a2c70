package cli

import (
	"flag"
	"io"

	"github.com/patchbay/patchbay/internal/client"
)

// apiCommand is a subcommand that talks to the server: its flag set holds
// the common flags (--server, --token) beside its own, and its mistakes are
// reported with its name and usage.
type apiCommand struct {
	flags  *flag.FlagSet
	usage  string
	common commonFlags
}

// newAPICommand makes the command's flag set with the common flags
// registered; the caller adds its own flags before parse.
func newAPICommand(name, usage string, getenv func(string) string) *apiCommand {
	cmd := &apiCommand{flags: newFlagSet(name), usage: usage}
	cmd.common.register(cmd.flags, getenv)
	return cmd
}

// parse parses args and returns the positional arguments; done is true
// when -h printed the usage and there is nothing more to do.
func (cmd *apiCommand) parse(args []string, stdout io.Writer) (positional []string, done bool, err error) {
	return parseCommand(cmd.flags, cmd.usage, args, stdout)
}

// parseOne is parse for a command that takes exactly one argument; what
// names it ("job ID") in the usage error when there is not exactly one.
func (cmd *apiCommand) parseOne(args []string, stdout io.Writer, what string) (arg string, done bool, err error) {
	positional, done, err := cmd.parse(args, stdout)
	if err != nil || done {
		return "", done, err
	}
	if len(positional) != 1 {
		return "", false, errUsage("%s: want exactly one %s\nusage: %s", cmd.flags.Name(), what, cmd.usage)
	}
	return positional[0], false, nil
}

// client builds the API client from the common flags, after parse.
func (cmd *apiCommand) client() (*client.Client, error) { return cmd.common.client() }
