import { SignJWT, jwtVerify } from "jose";

// Session tokens are signed with JWT_SECRET. The fallback keeps `npm run dev`
// working without a .env file.
const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? "k3Yf9Wq2b8Qz7LmX4pRtVn6s");

const apiBase = process.env.API_URL ?? "http://localhost:8080";
const publishableKey = process.env.VITE_STRIPE_PUBLISHABLE_KEY ?? "";
const resetTokenTtl = Number(process.env.PASSWORD_RESET_TOKEN_TTL ?? "3600");

export async function issueSession(userId: string): Promise<string> {
  return new SignJWT({ sub: userId })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuedAt()
    .setExpirationTime("8h")
    .sign(secret);
}

export async function readSession(token: string) {
  const { payload } = await jwtVerify(token, secret);
  return payload;
}

export function passwordResetUrl(token: string): string {
  return `${apiBase}/password/reset?token=${encodeURIComponent(token)}&ttl=${resetTokenTtl}`;
}

export { publishableKey };
