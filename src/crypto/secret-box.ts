import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** A secret encrypted at rest: which key, and `v1.<iv>.<tag>.<ciphertext>` in base64url. */
export interface SealedSecret {
  keyId: string;
  sealed: string;
}

const VERSION = 'v1';

/**
 * AES-256-GCM with a key ring: the first key seals, any key opens (so keys can be rotated: add the new key first,
 * re-seal everything with `npm run keys:rotate`, then drop the old one). The tenant id is bound in as associated
 * data, so a sealed secret copied onto another tenant's row does not open.
 */
export class SecretBox {
  constructor(private readonly keys: EncryptionKey[]) {
    if (!keys.length) throw new Error('SecretBox needs at least one key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`encryption key ${k.id} is not 32 bytes`);
  }

  get currentKeyId(): string {
    return this.keys[0].id;
  }

  seal(plaintext: string, context: string): SealedSecret {
    const { id, key } = this.keys[0];
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return { keyId: id, sealed: [VERSION, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.') };
  }

  open(secret: SealedSecret, context: string): string {
    const key = this.keys.find((k) => k.id === secret.keyId);
    if (!key) throw new Error(`no encryption key "${secret.keyId}" is configured (ENCRYPTION_KEYS)`);
    const [version, iv, tag, ct] = secret.sealed.split('.');
    if (version !== VERSION || !iv || !tag || ct === undefined) throw new Error('sealed secret has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error(`sealed secret does not open with key "${secret.keyId}" (wrong key or tampered data)`);
    }
  }

  /** True when the secret is sealed with a key other than the current one. */
  needsRotation(secret: SealedSecret): boolean {
    return secret.keyId !== this.currentKeyId;
  }
}
