// Imported first by the Electron entry point, before anything loads @evan/opus. Its native binary
// creates external ArrayBuffers (napi_create_external_arraybuffer), which Electron's V8 memory cage
// refuses: the package would then fall back to WebAssembly, or not, depending on how the call
// fails. Parley chooses WebAssembly in Electron deliberately (the package reads this variable when
// it is first loaded); the CLI under plain Node keeps the native binary.
process.env.OPUS_FORCE_WASM ??= '1';
export const OPUS_FORCED_TO_WASM = process.env.OPUS_FORCE_WASM;
