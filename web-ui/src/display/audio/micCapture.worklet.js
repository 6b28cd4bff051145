// AudioWorklet processor of the viewer's microphone: hands each block of mono samples (the node
// mixes its input down to one channel) to the page, which cuts them into 20 ms Opus frames.
// Plain JavaScript loaded from the gateway's own origin: the Content-Security-Policy allows
// scripts from 'self' only, and a worklet module is a script.
class MicCapture extends AudioWorkletProcessor {
  process(inputs) {
    const samples = inputs[0]?.[0];
    // The block is reused by the audio thread: post a copy.
    if (samples && samples.length > 0) this.port.postMessage(samples.slice(0));
    return true;
  }
}

registerProcessor("opencdi-mic-capture", MicCapture);
