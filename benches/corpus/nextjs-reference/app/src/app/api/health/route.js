import Redis from "ioredis";

const redis = new Redis(process.env.REDIS_URL, { password: process.env.REDIS_PASSWORD });

export async function GET() {
  const pong = await redis.ping().catch(() => null);
  return Response.json({ ok: pong === "PONG" }, { status: pong === "PONG" ? 200 : 503 });
}
