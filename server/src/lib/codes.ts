import { customAlphabet } from 'nanoid';

/** No 0/O, 1/l/I: codes are read aloud and typed from chats. */
export const UNAMBIGUOUS_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';

export const inviteCode = customAlphabet(UNAMBIGUOUS_ALPHABET, 8);
