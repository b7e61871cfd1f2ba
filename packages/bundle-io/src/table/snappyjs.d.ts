declare module 'snappyjs' {
  const SnappyJS: {
    uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
    compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  };
  export default SnappyJS;
}
