// Command gradcheck checks gradients against finite differences.
//
// Usage:
//
//	gradcheck demo [flags]           check the embedded network, correct and with a planted bug
//	gradcheck check [flags] MODEL…   check named example models (gradcheck check -list)
//	gradcheck sweep [flags] ENTRY…   print the error-versus-step table of chosen entries
//	gradcheck bench                  score the checker on the bug corpus
//
// Output is quiet by default: the text report on stdout, nothing else. With
// --json the report is written to stdout as JSON in the schema of
// docs/report-schema.md instead; with --html FILE an HTML report with plots
// is written to FILE as well. A check that runs longer than a second shows
// a progress bar on stderr when stderr is a terminal.
//
// Exit codes: 0 when every verdict passes, 1 when a gradient is wrong, 2 on
// a usage or runtime error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	os.Exit(run(os.Stdout, os.Stderr, os.Args[1:]))
}

// errWrong reports a wrong gradient: exit code 1.
var errWrong = errors.New("a gradient is wrong")

// errUsage reports a usage error that has already been printed: exit
// code 2 with nothing more to say.
var errUsage = errors.New("usage error")

// commands maps each subcommand to its function. A command returns
// errWrong when a checked gradient is wrong and another error on a usage
// or runtime failure.
var commands = map[string]func(stdout, stderr io.Writer, args []string) error{
	"demo":  runDemo,
	"check": runCheck,
	"sweep": runSweep,
	"bench": runBench,
}

const usage = `usage: gradcheck <command> [flags]

commands:
  demo    check the embedded network, correct and with a planted bug
  check   check named example models (gradcheck check -list)
  sweep   print the error-versus-step table of chosen entries
  bench   score the checker on the bug corpus

Run 'gradcheck <command> -h' for a command's flags.
Exit codes: 0 every verdict passes, 1 a gradient is wrong, 2 usage or runtime error.
`

func run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, ok := commands[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprintf(stderr, "gradcheck: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch err := cmd(stdout, stderr, args[1:]); {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errWrong):
		return 1
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "gradcheck %s: %v\n", args[0], err)
		return 2
	}
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (gradcheck sweep W1[0,3] --json), and returns
// the positional ones. A parse error, already printed by fs, is errUsage.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// usageErr prints a usage mistake with the command's flags and returns
// errUsage.
func usageErr(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "gradcheck %s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return errUsage
}

// setUsage gives fs a usage text: the synopsis, a paragraph, the flags.
func setUsage(fs *flag.FlagSet, synopsis, about string) {
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: gradcheck %s %s\n\n%s\n\nflags:\n", fs.Name(), synopsis, strings.TrimSpace(about))
		fs.PrintDefaults()
	}
}
