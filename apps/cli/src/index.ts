export { buildProgram, runCli, EXIT, type CliIo } from './program';
