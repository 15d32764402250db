// Package stackout reads a stack's outputs and configuration through the
// Pulumi Automation API, which drives the pulumi CLI.
package stackout

import (
	"context"
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/circleci-oidc/pulumi-circleci-oidc/publish"
)

// Load reads the stack named stack (the selected one when "") of the Pulumi
// project in dir.
func Load(ctx context.Context, dir, stack string) (publish.Stack, error) {
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir))
	if err != nil {
		return publish.Stack{}, fmt.Errorf("opening the Pulumi project in %s (the pulumi CLI must be on PATH): %w", dir, err)
	}
	return FromWorkspace(ctx, ws, stack)
}

// FromWorkspace reads a stack of a workspace, such as one an inline program made.
func FromWorkspace(ctx context.Context, ws auto.Workspace, stack string) (publish.Stack, error) {
	if stack == "" {
		current, err := ws.Stack(ctx)
		if err != nil {
			return publish.Stack{}, fmt.Errorf("finding the selected stack: %w", err)
		}
		if current == nil {
			return publish.Stack{}, errors.New("no stack is selected: pass --stack")
		}
		stack = current.Name
	}
	st, err := auto.SelectStack(ctx, stack, ws)
	if err != nil {
		return publish.Stack{}, fmt.Errorf("selecting stack %s: %w", stack, err)
	}
	outs, err := st.Outputs(ctx)
	if err != nil {
		return publish.Stack{}, fmt.Errorf("reading the outputs of stack %s: %w", stack, err)
	}
	cfg, err := st.GetAllConfig(ctx)
	if err != nil {
		return publish.Stack{}, fmt.Errorf("reading the configuration of stack %s: %w", stack, err)
	}
	s := publish.Stack{Name: stack, Outputs: map[string]publish.Output{}, Config: map[string]string{}}
	for k, v := range outs {
		s.Outputs[k] = publish.Output{Value: v.Value, Secret: v.Secret}
	}
	for k, v := range cfg {
		if !v.Secret {
			s.Config[k] = v.Value
		}
	}
	return s, nil
}
