#!/bin/sh
# Regenerates the SIP gateway's spoken prompts (src/sip/prompts/*.ulaw): espeak-ng speaks each text, ffmpeg turns it
# into raw 8 kHz G.711 µ-law, the form the gateway plays (src/sip/prompts.ts). The files are committed, so neither the
# server nor CI needs espeak-ng; run this only to change a prompt (needs the Debian packages espeak-ng and ffmpeg).
set -eu
out="$(dirname "$0")/../src/sip/prompts"
mkdir -p "$out"
say() {
  espeak-ng -v en-us -s 165 -w "$out/$1.wav" "$2"
  # Slightly louder than espeak's level, trimmed of the silence espeak puts at the end.
  ffmpeg -loglevel error -y -i "$out/$1.wav" -af "volume=1.5,silenceremove=stop_periods=1:stop_duration=0.2:stop_threshold=-50dB" -ar 8000 -ac 1 -f mulaw "$out/$1.ulaw"
  rm "$out/$1.wav"
}
say number 'Enter the meeting number, followed by pound.'
say passcode 'Enter the passcode, followed by pound.'
say wrong-number 'That is not a meeting number.'
say wrong-passcode 'Wrong passcode.'
say joining 'You are joining the meeting.'
say refused 'You cannot join this meeting now. Goodbye.'
say goodbye 'Too many attempts. Goodbye.'
