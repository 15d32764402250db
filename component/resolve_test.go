package component

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/circleci-oidc/pulumi-circleci-oidc/component/config"
)

// sample returns a value of type t that is neither zero nor a default the
// component fills in.
func sample(t *testing.T, typ reflect.Type) reflect.Value {
	t.Helper()
	var v any
	switch typ {
	case reflect.TypeFor[pulumi.StringInput]():
		v = pulumi.String("organization")
	case reflect.TypeFor[pulumi.StringPtrInput]():
		v = pulumi.String("set")
	case reflect.TypeFor[pulumi.IntPtrInput]():
		v = pulumi.Int(7200)
	case reflect.TypeFor[pulumi.StringArrayInput]():
		v = pulumi.StringArray{pulumi.String("set")}
	case reflect.TypeFor[pulumi.StringMapInput]():
		v = pulumi.StringMap{"k": pulumi.String("set")}
	case reflect.TypeFor[[]pulumi.StringInput]():
		v = []pulumi.StringInput{pulumi.String("set")}
	case reflect.TypeFor[map[string]pulumi.StringInput]():
		v = map[string]pulumi.StringInput{"k": pulumi.String("set")}
	case reflect.TypeFor[bool]():
		v = true
	case reflect.TypeFor[int]():
		v = 4096
	case reflect.TypeFor[string]():
		v = "both"
	case reflect.TypeFor[[]Rule]():
		v = []Rule{{ProjectIds: []string{"set"}}}
	case reflect.TypeFor[[]string]():
		v = []string{"set"}
	case reflect.TypeFor[map[string]map[string][]string]():
		v = map[string]map[string][]string{"StringEquals": {"k": {"set"}}}
	default:
		t.Fatalf("no sample for an argument of type %s: add one", typ)
	}
	return reflect.ValueOf(v)
}

// TestEveryArgumentReachesTheConfig guards the hand-kept field lists:
// CircleCIOIDCArgs -> inputs -> resolved -> config.Config. Every argument is
// set, and every field of the plain configuration must come out set, and not
// to the value a default would give it.
func TestEveryArgumentReachesTheConfig(t *testing.T) {
	var args CircleCIOIDCArgs
	av := reflect.ValueOf(&args).Elem()
	for i := range av.NumField() {
		av.Field(i).Set(sample(t, av.Field(i).Type()))
	}
	r, ok := known(args.inputs())
	require.True(t, ok, "plain arguments are known")
	got := reflect.ValueOf(r.config(args))
	defaults := reflect.ValueOf(config.Config{OrganizationID: "organization"}.WithDefaults())
	for i := range got.NumField() {
		name := got.Type().Field(i).Name
		assert.False(t, got.Field(i).IsZero(), "config.Config.%s is not set from any argument", name)
		if name != "OrganizationID" {
			assert.NotEqual(t, defaults.Field(i).Interface(), got.Field(i).Interface(),
				"config.Config.%s holds its default, not the argument", name)
		}
	}
}
