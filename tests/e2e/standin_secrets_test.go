package e2e

import (
	"github.com/pulumi/pulumi/pkg/v3/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"google.golang.org/protobuf/types/known/structpb"
)

// withSecrets marshals out, marking as secret each property whose value in
// the request was or held a secret. The stand-in tells the engine it accepts
// secrets, as pulumi-aws does; the engine then trusts the properties Check,
// Create and Update return to carry their secrets (it re-marks them itself
// only for providers that don't accept secrets: pkg/resource/plugin,
// provider_plugin.go, annotateSecrets), and writes them to the state as
// they come. pulumi-aws returns them marked; so must the stand-in, or a
// secret input would land in the state in plaintext.
func withSecrets(out resource.PropertyMap, req *structpb.Struct) (*structpb.Struct, error) {
	in, err := plugin.UnmarshalProperties(req, plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true, KeepSecrets: true})
	if err != nil {
		return nil, err
	}
	marked := out.Copy()
	for k, v := range in {
		if o, ok := marked[k]; ok && v.ContainsSecrets() && !o.IsSecret() {
			marked[k] = resource.MakeSecret(o)
		}
	}
	return plugin.MarshalProperties(marked, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
}
