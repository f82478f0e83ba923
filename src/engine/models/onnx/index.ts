// ONNX support: the loader (imported tfjs graph + ONNX Runtime), a summary that only parses, and the files a model
// consists of (for change detection and hashing).
export { loadOnnxModel, type OnnxExplainableModel } from './model';
export { readOnnxSummary } from './summary';
export { hashOnnxFiles, listOnnxFiles } from './externalData';
export { verifyAgainstOnnxRuntime, PARITY_TOLERANCE } from './verify';
