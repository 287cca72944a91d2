// Runs a built function bundle in a fresh Node process, as SCF does: nothing but the bundle and the
// function's own environment, and main_handler called with one event (the code of npm run invoke).
export { type InvokeOutcome as BundleRun, invokeBundle as runBundle } from '../../infra/deploy/invoke.ts';
