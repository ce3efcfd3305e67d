export { startOssEmulator, ossStringToSign, type OssEmulator, type OssEmulatorCredentials, type OssEmulatorOptions } from './emulator';
