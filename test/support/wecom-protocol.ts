/**
 * WeCom's callback crypto written from its description, independently of @wecom/crypto, so the
 * tests check the adapter against the protocol rather than against the library it uses:
 * - msg_signature = sha1(sort([token, timestamp, nonce, encrypt]).join(''))
 * - key = base64decode(EncodingAESKey + '='), iv = key[0:16], AES-256-CBC
 * - plaintext = 16 random bytes + 4-byte big-endian length + message + receiveid, PKCS#7 to 32 bytes
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export function sign(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

function keyOf(encodingAesKey: string): { key: Buffer; iv: Buffer } {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  return { key, iv: key.subarray(0, 16) };
}

export function encryptMessage(encodingAesKey: string, message: string, receiveId: string, random: Buffer = randomBytes(16)): string {
  const { key, iv } = keyOf(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export function decryptMessage(encodingAesKey: string, encrypted: string): { random: Buffer; message: string; receiveId: string } {
  const { key, iv } = keyOf(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const plain = padded.subarray(0, padded.length - (padded[padded.length - 1] ?? 0));
  const len = plain.readUInt32BE(16);
  return {
    random: plain.subarray(0, 16),
    message: plain.subarray(20, 20 + len).toString('utf8'),
    receiveId: plain.subarray(20 + len).toString('utf8'),
  };
}

/** WeCom's published sample (加解密方案说明). */
export const SAMPLE = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  receiveId: 'wx5823bf96d3bd56c7',
  timestamp: '1409659589',
  nonce: '263014780',
  echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
  signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
  message: '1616140317555161061',
} as const;

/**
 * A 智能机器人's picture or file as WeCom serves it (https://developer.work.weixin.qq.com/document/path/100719:
 * encrypted like the callback): AES-256-CBC with the same key and IV, PKCS#7 to a multiple of 32
 * bytes, the file itself as the plaintext (no random prefix, no length: WeCom's demo decrypts the
 * download and strips the padding, nothing else).
 */
export function encryptMedia(encodingAesKey: string, file: Buffer): Buffer {
  const { key, iv } = keyOf(encodingAesKey);
  const pad = 32 - (file.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([file, Buffer.alloc(pad, pad)])), cipher.final()]);
}
