package fleet

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/publish"
	"github.com/circleci-oidc/pulumi-circleci-oidc/internal/stackout"
)

// ModePublish writes each account's outputs into its own CircleCI context.
const ModePublish Mode = "publish"

// ContextName is what a --context template may name: {{.ID}}, {{.Name}},
// {{.OU}} and {{.Stack}}.
type ContextName struct{ ID, Name, OU, Stack string }

// ParseContextTemplate reads --context, such as aws-{{.Name}}, and checks it
// against a sample account.
func ParseContextTemplate(text string) (*template.Template, error) {
	if text == "" {
		return nil, fmt.Errorf("--context is required: a template of each account's context name, such as 'aws-{{.Name}}'")
	}
	t, err := template.New("context").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("--context %q: %w", text, err)
	}
	if _, err := render(t, ContextName{ID: "123456789012", Name: "prod", OU: "/prod", Stack: StackName("123456789012")}); err != nil {
		return nil, fmt.Errorf("--context %q: %w; use {{.ID}}, {{.Name}}, {{.OU}} or {{.Stack}}", text, err)
	}
	if !strings.Contains(text, "{{") {
		return nil, fmt.Errorf("--context %q names one context for every account; put {{.Name}} or {{.ID}} in it", text)
	}
	return t, nil
}

func render(t *template.Template, n ContextName) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, n); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Publisher is the Worker of fleet publish: it reads each account's stack
// from the backend and publishes its role ARN and region to the context the
// template names, as circleci-oidc publish does for one stack.
type Publisher struct {
	Engine  *Engine
	Context *template.Template
	Options publish.Options
	API     publish.API
	DryRun  bool
}

// contextOf renders an account's context name.
func (p *Publisher) contextOf(a Account) (string, error) {
	name := a.Name
	if name == "" {
		name = a.ID
	}
	return render(p.Context, ContextName{ID: a.ID, Name: name, OU: a.OU, Stack: StackName(a.ID)})
}

// CheckContexts renders the context name of every account a run publishes,
// before the first write, and refuses two accounts that would publish to one
// context: the last to run would own its AWS_ROLE_ARN, and with --restrict
// each would add its projects to it.
func (p *Publisher) CheckContexts(accounts []Account) error {
	owner := map[string]string{}
	for _, a := range accounts {
		name, err := p.contextOf(a)
		if err != nil {
			return &PlanError{fmt.Errorf("--context for account %s: %w", a.ID, err)}
		}
		if strings.TrimSpace(name) == "" {
			return &PlanError{fmt.Errorf("--context renders an empty context name for account %s", a.ID)}
		}
		if Printable(name) != name {
			return &PlanError{fmt.Errorf("--context renders the context name %q for account %s, which holds control "+
				"characters; rename the account in fleet.yaml, or use {{.ID}}", name, a.ID)}
		}
		if other, taken := owner[name]; taken {
			return &PlanError{fmt.Errorf("accounts %s and %s both publish to context %q; put {{.ID}} in --context, "+
				"or give the accounts distinct names in fleet.yaml", other, a.ID, name)}
		}
		owner[name] = a.ID
	}
	return nil
}

// Do implements Worker.
func (p *Publisher) Do(ctx context.Context, job Job, log io.Writer) (Outcome, error) {
	contextName, err := p.contextOf(job.Account)
	if err != nil {
		return Outcome{}, &ClassError{ClassProgram, err}
	}
	if ok, err := p.Engine.hasStack(ctx, job.Stack); err != nil {
		return Outcome{}, err
	} else if !ok {
		return Outcome{}, &ClassError{ClassOther, fmt.Errorf("account %s has no stack %s yet: run fleet up first",
			job.Account.ID, job.Stack)}
	}
	dir, err := p.Engine.accountDir(job)
	if err != nil {
		return Outcome{}, err
	}
	ws, err := p.Engine.workspace(ctx, dir)
	if err != nil {
		return Outcome{}, err
	}
	s, err := stackout.FromWorkspace(ctx, ws, job.Stack)
	if err != nil {
		return Outcome{}, err
	}
	o := p.Options
	o.Context = contextName
	plan, err := publish.NewPlan(s, o)
	if err != nil {
		return Outcome{}, &ClassError{ClassProgram, err}
	}
	out := Outcome{Result: ResultOK, Note: "context " + contextName}
	if v, ok := s.Outputs["roleArn"].Value.(string); ok {
		out.RoleArn = v
	}
	if p.DryRun {
		out.Note += " (dry run)"
		return out, publish.DryRun(ctx, p.API, plan, log)
	}
	return out, publish.Apply(ctx, p.API, plan, log)
}
