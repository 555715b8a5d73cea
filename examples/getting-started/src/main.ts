import { joinChat } from './client';
import { startChat } from './server';
import { openStore } from './store';

const port = Number(process.env.PORT ?? 3000);
startChat(port, await openStore('chat.sqlite'));
console.log(`chat on http://localhost:${port}; stop it with Ctrl-C and start it again: the history stays`);
await joinChat(`http://localhost:${port}`, 'ada', (m) => console.log(`#${m.seq} ${m.senderId}: ${JSON.stringify(m.data)}`));
