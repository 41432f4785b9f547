export const ROLES = ['owner', 'reseller', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const SEGMENTS = ['buzzer', 'influencer', 'follower'] as const;
export type Segment = (typeof SEGMENTS)[number];

export const CHANNELS = ['whatsapp', 'instagram', 'facebook', 'tiktok', 'telegram', 'x', 'other'] as const;
export type Channel = (typeof CHANNELS)[number];
