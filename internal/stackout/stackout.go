// Package stackout reads a stack's outputs and configuration through the
// Pulumi Automation API, which drives the pulumi CLI.
package stackout

import (
	"context"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Output is one stack output.
type Output struct {
	Value  any
	Secret bool
}

// Stack is what the commands read from a stack: its outputs and its
// configuration.
type Stack struct {
	Name    string
	Outputs map[string]Output
	// Config holds the stack's configuration values by full key, such as
	// "aws:region"; structured values are JSON. Secret values are left out.
	Config map[string]string
}

// Load reads the stack named stack (the selected one when "") of the Pulumi
// project in dir.
func Load(ctx context.Context, dir, stack string) (Stack, error) {
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir))
	if err != nil {
		return Stack{}, fmt.Errorf("opening the Pulumi project in %s (the pulumi CLI must be on PATH): %w", dir, err)
	}
	return FromWorkspace(ctx, ws, stack)
}

// FromWorkspace reads a stack of a workspace, such as one an inline program made.
func FromWorkspace(ctx context.Context, ws auto.Workspace, stack string) (Stack, error) {
	if stack == "" {
		current, err := ws.Stack(ctx)
		if err != nil {
			return Stack{}, fmt.Errorf("finding the selected stack: %w", err)
		}
		if current == nil {
			return Stack{}, errors.New("no stack is selected: pass --stack")
		}
		stack = current.Name
	}
	st, err := auto.SelectStack(ctx, stack, ws)
	if err != nil {
		return Stack{}, fmt.Errorf("selecting stack %s: %w", stack, err)
	}
	outs, err := st.Outputs(ctx)
	if err != nil {
		return Stack{}, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	cfg, err := st.GetAllConfig(ctx)
	if err != nil {
		return Stack{}, fmt.Errorf("reading the configuration of stack %s: %w", stack, err)
	}
	s := Stack{Name: stack, Outputs: map[string]Output{}, Config: map[string]string{}}
	for k, v := range outs {
		s.Outputs[k] = Output{Value: v.Value, Secret: v.Secret}
	}
	for k, v := range cfg {
		if !v.Secret {
			s.Config[k] = v.Value
		}
	}
	return s, nil
}
