// Runs the TypeScript example in this folder (compiled by tsc into bin/) as an Automation API inline program:
// the SDK serves the Node.js language runtime from this process, so the Pulumi CLI needs no
// pulumi-language-nodejs. One operation per process, so that each `up` runs the example's module afresh:
//
//   node inline.js up|destroy
//
// E2E_STACK names the stack, E2E_WORKDIR is the workspace's own folder, E2E_CONFIG is a JSON object of config
// values (keys without a namespace belong to the project). The result is printed as one line, `RESULT <json>`.
"use strict";
const fs = require("fs");
const path = require("path");
const { LocalWorkspace } = require("@pulumi/pulumi/automation");

async function main(op) {
    // The example's project name, from its Pulumi.yaml, so that its config keys are the example's own.
    const projectName = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(__dirname, "Pulumi.yaml"), "utf8"))[1];
    const program = async () => ({ ...require(path.join(__dirname, "bin", "index.js")) });
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: process.env.E2E_STACK, projectName, program },
        { workDir: process.env.E2E_WORKDIR },
    );
    const config = {};
    for (const [k, v] of Object.entries(JSON.parse(process.env.E2E_CONFIG || "{}"))) {
        config[k] = { value: v };
    }
    await stack.setAllConfig(config);
    const progress = { onOutput: (s) => process.stderr.write(s) };
    switch (op) {
        case "up": {
            const res = await stack.up(progress);
            return { outputs: res.outputs, changes: res.summary.resourceChanges };
        }
        case "destroy": {
            const res = await stack.destroy(progress);
            return { changes: res.summary.resourceChanges };
        }
        default:
            throw new Error(`unknown operation ${op}: want up or destroy`);
    }
}

main(process.argv[2]).then(
    (res) => console.log("RESULT " + JSON.stringify(res)),
    (err) => {
        console.error(err);
        process.exit(1);
    },
);
