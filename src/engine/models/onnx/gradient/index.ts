// Input gradients of ONNX models through ONNX Runtime's native kernels (backward graph built as ONNX ops).
export { OnnxGradientSession } from './session';
export { buildGradientModel, INPUT_GRAD, TARGET_MASK, type GradientSource, type GradientModel } from './gradientModel';
export { fastGradientBytesPerRow, setFastGradientBytesPerRow } from './memory';
