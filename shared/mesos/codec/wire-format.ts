/**
 * Choosing between the two wire formats, as Mesos does:
 * - a request body is read in the format its Content-Type names (missing → 400, other → 415);
 * - the answer (the SUBSCRIBE event stream) is written in the format Accept allows, JSON first,
 *   then protobuf (neither → 406); a missing Accept header allows both, so JSON wins.
 * A client simply picks one format (configuration) and sends it as both Content-Type and Accept.
 */
import { MesosError } from '../errors.js';
import { JSON_CONTENT_TYPE, jsonCodec } from './json-codec.js';
import type { MesosCodec, WireFormat } from './message-codec.js';
import { PROTOBUF_CONTENT_TYPE, protobufCodec } from './protobuf-codec.js';

export const CONTENT_TYPES: Readonly<Record<WireFormat, string>> = {
  protobuf: PROTOBUF_CONTENT_TYPE,
  json: JSON_CONTENT_TYPE,
};

export function codecFor(format: WireFormat): MesosCodec {
  return format === 'protobuf' ? protobufCodec : jsonCodec;
}

/**
 * The format of a request body from its Content-Type header. Mesos compares the header
 * exactly; we also allow parameters (`; charset=utf-8`) and any letter case, as HTTP does.
 */
export function wireFormatOfContentType(header: string | undefined): WireFormat {
  if (header === undefined || header.trim() === '') {
    throw new MesosError('MESOS_MISSING_CONTENT_TYPE', "Expecting 'Content-Type' to be present");
  }
  const mediaType = (header.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType === JSON_CONTENT_TYPE) return 'json';
  if (mediaType === PROTOBUF_CONTENT_TYPE) return 'protobuf';
  throw new MesosError(
    'MESOS_UNSUPPORTED_MEDIA_TYPE',
    `Expecting 'Content-Type' of ${JSON_CONTENT_TYPE} or ${PROTOBUF_CONTENT_TYPE}, got '${header}'`,
    { context: { contentType: header } },
  );
}

/** The format of a response from the request's Accept header, preferring JSON like Mesos. */
export function negotiateWireFormat(accept: string | undefined): WireFormat {
  if (acceptsMediaType(accept, JSON_CONTENT_TYPE)) return 'json';
  if (acceptsMediaType(accept, PROTOBUF_CONTENT_TYPE)) return 'protobuf';
  throw new MesosError('MESOS_NOT_ACCEPTABLE', `Expecting 'Accept' to allow '${PROTOBUF_CONTENT_TYPE}' or '${JSON_CONTENT_TYPE}'`, {
    context: { accept },
  });
}

/**
 * libprocess's Request::acceptsMediaType: the most specific matching range decides
 * (exact type, then `type/` plus a star, then the star/star wildcard); it accepts unless its q
 * is 0 or malformed; no header at all accepts everything.
 */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined) return true;
  const [type] = mediaType.split('/');
  const ranges = accept
    .replace(/\s/g, '')
    .split(',')
    .filter((range) => range !== '')
    .map((range) => {
      const [name = '', ...params] = range.split(';');
      const q = params.map((param) => param.split('=')).find(([key]) => key === 'q')?.[1];
      return { name: name.toLowerCase(), q };
    });
  for (const candidate of [mediaType, `${type}/*`, '*/*']) {
    const match = ranges.find((range) => range.name === candidate);
    if (match !== undefined) return match.q === undefined || Number(match.q) > 0;
  }
  return false;
}
