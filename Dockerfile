FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --loglevel=error
COPY . .
RUN node scripts/build.mjs
ENV NODE_ENV=production
