/*
 * eas-render: plays a Standard MIDI File with Sonivox's Embedded Audio Synthesis library
 * (libsonivox, Debian's libsonivox3) and its built-in General MIDI wavetable, and writes the
 * audio as a 16-bit WAV file at EAS's own rate (fixed when the library was built: 22,050 Hz in
 * Debian's), reverb and chorus off.
 *
 *   eas-render <score.mid> <out.wav>
 *
 * Exit status: 0 on success, 2 for a usage error, 1 when EAS refuses the file or fails.
 * It is a separate program, like fluidsynth and timidity, so that a synthesizer fault cannot take
 * down the process that builds a dataset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sonivox/eas.h>
#include <sonivox/eas_reverb.h>
#include <sonivox/eas_chorus.h>

/* The MIDI file, read whole, behind EAS's file callbacks. */
typedef struct {
    unsigned char *bytes;
    int size;
} MidiBytes;

static int read_at(void *handle, void *buffer, int offset, int size) {
    const MidiBytes *midi = handle;
    if (offset < 0 || offset >= midi->size) return 0;
    if (size > midi->size - offset) size = midi->size - offset;
    memcpy(buffer, midi->bytes + offset, (size_t)size);
    return size;
}

static int size_of(void *handle) {
    return ((const MidiBytes *)handle)->size;
}

/* Writes a 16-bit PCM WAV header for `frames` frames (written again with the count at the end). */
static void wav_header(FILE *out, long channels, long rate, long frames) {
    unsigned char h[44];
    long data = frames * channels * 2;
    const long fields[][3] = { /* offset, value, bytes */
        {4, 36 + data, 4}, {16, 16, 4}, {20, 1, 2}, {22, channels, 2}, {24, rate, 4},
        {28, rate * channels * 2, 4}, {32, channels * 2, 2}, {34, 16, 2}, {40, data, 4},
    };
    memcpy(h, "RIFF", 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    memcpy(h + 36, "data", 4);
    for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
        for (long b = 0; b < fields[f][2]; b++) h[fields[f][0] + b] = (unsigned char)((fields[f][1] >> (8 * b)) & 0xff);
    fwrite(h, 1, sizeof h, out);
}

static int fail(const char *what, EAS_RESULT result) {
    fprintf(stderr, "eas-render: %s failed (EAS error %ld)\n", what, (long)result);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: eas-render <score.mid> <out.wav>\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    MidiBytes midi = {NULL, 0};
    fseek(in, 0, SEEK_END);
    midi.size = (int)ftell(in);
    fseek(in, 0, SEEK_SET);
    midi.bytes = malloc(midi.size > 0 ? (size_t)midi.size : 1);
    if (!midi.bytes || fread(midi.bytes, 1, (size_t)midi.size, in) != (size_t)midi.size) {
        fprintf(stderr, "eas-render: could not read %s\n", argv[1]);
        return 1;
    }
    fclose(in);

    const S_EAS_LIB_CONFIG *config = EAS_Config();
    EAS_DATA_HANDLE eas = NULL;
    EAS_RESULT result = EAS_Init(&eas);
    if (result != EAS_SUCCESS) return fail("EAS_Init", result);
    EAS_SetParameter(eas, EAS_MODULE_REVERB, EAS_PARAM_REVERB_BYPASS, EAS_TRUE);
    EAS_SetParameter(eas, EAS_MODULE_CHORUS, EAS_PARAM_CHORUS_BYPASS, EAS_TRUE);

    EAS_FILE file = {&midi, read_at, size_of};
    EAS_HANDLE stream = NULL;
    if ((result = EAS_OpenFile(eas, &file, &stream)) != EAS_SUCCESS) return fail("opening the MIDI file", result);
    if ((result = EAS_Prepare(eas, stream)) != EAS_SUCCESS) return fail("EAS_Prepare", result);

    FILE *out = fopen(argv[2], "wb");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    EAS_PCM *buffer = malloc(sizeof(EAS_PCM) * (size_t)config->mixBufferSize * (size_t)config->numChannels);
    long written = 0;
    wav_header(out, config->numChannels, config->sampleRate, 0);
    for (;;) {
        EAS_STATE state;
        if ((result = EAS_State(eas, stream, &state)) != EAS_SUCCESS) return fail("EAS_State", result);
        if (state == EAS_STATE_STOPPED || state == EAS_STATE_EMPTY) break;
        if (state == EAS_STATE_ERROR) return fail("playing the file", EAS_FAILURE);
        EAS_I32 frames = 0;
        if ((result = EAS_Render(eas, buffer, config->mixBufferSize, &frames)) != EAS_SUCCESS) return fail("EAS_Render", result);
        written += (long)fwrite(buffer, sizeof(EAS_PCM) * (size_t)config->numChannels, (size_t)frames, out); /* little-endian hosts */
    }
    fseek(out, 0, SEEK_SET);
    wav_header(out, config->numChannels, config->sampleRate, written);
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }
    EAS_CloseFile(eas, stream);
    EAS_Shutdown(eas);
    free(buffer);
    free(midi.bytes);
    return 0;
}
