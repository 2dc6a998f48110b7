// Drive aws-local-stepfunctions for bench/compare.py and the equality tests.
//
// stdin: {"duration": seconds (0: check only), "workloads": [{"name", "definition",
//         "input_text", "zero_retry_intervals"}]}
// stdout: one JSON line per workload: {"name", "output_text"} or {"name", "error"},
//         plus "executions", "seconds", "rate" when timed.
// One execution is JSON text in -> StateMachine.run(...).result -> JSON text out.
import { createRequire } from "node:module";
import * as handlers from "./handlers.mjs";

// aws-local-stepfunctions 3.x declares node >= 22 and calls Promise.withResolvers (new in
// node 22). On an older node, supply the standard method (ES2024), exactly as specified.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}

const require = createRequire(process.env.LOCAL_SFN_MODULES + "/");
const { StateMachine } = require("aws-local-stepfunctions");

function taskStates(states, out = {}) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Task") {
      const fn = String(state.Resource).split(":").pop();
      if (!(fn in handlers)) throw new Error(`no JavaScript handler for ${fn}`);
      out[name] = handlers[fn];
    }
    for (const branch of state.Branches ?? []) taskStates(branch.States, out);
    const proc = state.ItemProcessor ?? state.Iterator;
    if (proc) taskStates(proc.States, out);
  }
  return out;
}

function retryStates(states, out = {}) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Retry) out[name] = 0;
    for (const branch of state.Branches ?? []) retryStates(branch.States, out);
    const proc = state.ItemProcessor ?? state.Iterator;
    if (proc) retryStates(proc.States, out);
  }
  return out;
}

async function main() {
  let raw = "";
  for await (const chunk of process.stdin) raw += chunk;
  const job = JSON.parse(raw);
  for (const w of job.workloads) {
    const line = { name: w.name };
    try {
      const definition = JSON.parse(w.definition);
      const machine = new StateMachine(definition);
      const overrides = { taskResourceLocalHandlers: taskStates(definition.States) };
      if (w.zero_retry_intervals) overrides.retryIntervalOverrides = retryStates(definition.States);
      const options = { overrides };
      const once = async (text) =>
        JSON.stringify(await machine.run(JSON.parse(text), options).result);
      line.output_text = await once(w.input_text);
      if (job.duration > 0) {
        const deadline = performance.now() + job.duration * 1000;
        const start = performance.now();
        let n = 0, now = start;
        while (now < deadline) {
          for (let i = 0; i < 20; i++) await once(w.input_text);
          n += 20;
          now = performance.now();
        }
        line.executions = n;
        line.seconds = (now - start) / 1000;
        line.rate = n / line.seconds;
      }
    } catch (e) {
      line.error = `${e.name}: ${e.message}`;
    }
    process.stdout.write(JSON.stringify(line) + "\n");
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
