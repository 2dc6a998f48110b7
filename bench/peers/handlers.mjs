// The workloads' Lambda handlers in JavaScript, for aws-local-stepfunctions (which runs
// Task states through `overrides.taskResourceLocalHandlers`, keyed by state name).
// Keep in step with bench/workloads/handlers.py.

export function enrich(event) {
  const level = event.temperature > 80 ? "alert" : "normal";
  return { level, site: "plant-a", device: event.deviceId };
}

export async function enrich_async(event) {
  const level = event.temperature > 80 ? "alert" : "normal";
  return { level, site: "plant-a", device: event.deviceId };
}

export function flaky(event) {
  const error = new Error(`sensor ${event.device.id} did not answer`);
  error.name = "SensorTimeout";   // the engine matches Retry/Catch on error.name
  throw error;
}
