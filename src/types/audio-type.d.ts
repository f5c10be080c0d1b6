/** audio-type ships no types: it names the audio format of a buffer from its first bytes. */
declare module 'audio-type' {
  export default function audioType(bytes: Uint8Array | ArrayBuffer): string | undefined;
}
