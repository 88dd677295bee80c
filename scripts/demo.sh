#!/usr/bin/env bash
# The main job: set up, build, make a noisy speech sample (espeak-ng speech
# plus sox noise and mains hum), run it through aedenoise with the embedded
# default model, and print before/after figures against the clean speech.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

out=build/demo
mkdir -p "$out"
export GST_PLUGIN_PATH_1_0="$PWD/build/gst"
train=build/nn/tools/ae-train
rate=${AE_DEMO_RATE:-48000}

# Clean speech: espeak-ng's own voice, resampled to the model rate.
espeak-ng -v en-us -s 150 -w "$out/speech-22k.wav" \
  "Background noise is removed from this recording in real time. \
   The fan, the hum and the hiss go away, and the voice stays."
sox -q "$out/speech-22k.wav" -r "$rate" -c 1 -e float -b 32 "$out/clean.wav" \
  pad 0.3 0.3 norm -3
dur=$(soxi -D "$out/clean.wav")

# Noise: pink noise with a slow swell, plus 50 Hz hum with harmonics,
# mixed at about 0 dB SNR.  -R makes sox's noise repeatable.
sox -q -R -n -r "$rate" -c 1 -e float -b 32 "$out/pink.wav" \
  synth "$dur" pinknoise tremolo 0.3 40 vol 0.5
sox -q -R -n -r "$rate" -c 1 -e float -b 32 "$out/hum.wav" \
  synth "$dur" sine 50 sine 150 sine 250 remix 1-3 vol 0.05
sox -q -m "$out/pink.wav" "$out/hum.wav" "$out/noise.wav"
sox -q -m "$out/clean.wav" "$out/noise.wav" "$out/noisy.wav"

gst-launch-1.0 -q filesrc location="$out/noisy.wav" ! wavparse \
  ! audioconvert ! aedenoise ! audioconvert \
  ! audio/x-raw,format=F32LE ! wavenc ! filesink location="$out/denoised.wav"

echo "before: $("$train" score "$out/clean.wav" "$out/noisy.wav")"
echo "after:  $("$train" score "$out/clean.wav" "$out/denoised.wav")"
# One picture, noisy above and denoised below: sox draws a two-channel
# file's channels stacked, on one colour scale.
sox -q -V1 -M "$out/noisy.wav" "$out/denoised.wav" -r 16k "$out/before-after.wav"
sox "$out/before-after.wav" -n spectrogram -x 800 -y 257 \
  -t "aedenoise: noisy (channel 1) and denoised (channel 2)" \
  -o "$out/before-after.png"
echo "spectrogram: $out/before-after.png"
