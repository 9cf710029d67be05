/**
 * A larger dialog corpus, shaped like the public conversation-memory benchmarks where a question's
 * evidence is several turns: two pairs of friends (Priya and Sam, Jonas and Elena) talk over ten
 * sessions each, and what happens to them (a renovation, a career change, a baby) comes up turn
 * by turn across sessions, between small talk that shares its words. Each turn is one memory (its
 * speaker's name first, no title, no tags). Questions are asked in other words than the turns'
 * ("What renovation did Priya do at home?" for "we tore out the old kitchen cabinets") and name
 * every turn that holds part of the answer. The threads and the small talk are written by hand;
 * where a thread's turns fall among the sessions is drawn from a seeded generator, so the corpus is
 * the same on every run. Not tuned to any ranking.
 */
import { mulberry32 } from '../helpers/mulberry32.mjs';
import type { CorpusMemory, CorpusQuestion } from './conversation-corpus.js';

interface Thread {
  id: string;
  /** Which conversation it belongs to: 0 Priya and Sam, 1 Jonas and Elena. */
  pair: 0 | 1;
  /** In the order they are said; each lands in a later session than the one before. */
  turns: string[];
  /** Each question with the indices (in `turns`) of the turns that answer it. */
  questions: [question: string, evidence: number[]][];
}

const THREADS: Thread[] = [
  {
    id: 'kitchen',
    pair: 0,
    turns: [
      'Priya: We finally tore out the old kitchen cabinets on Saturday, the whole flat is covered in dust.',
      'Priya: The contractor promised the quartz worktops by the end of the month, white with grey veins.',
      'Priya: The kitchen is finished at last! We cooked our first dinner on the new induction hob.',
    ],
    questions: [
      ['What did Priya renovate at home?', [0, 1, 2]],
      ['What are Priya’s new kitchen worktops made of?', [1]],
      ['What material are Priya’s new countertops?', [1]],
    ],
  },
  {
    id: 'ride',
    pair: 0,
    turns: [
      'Sam: I signed up for a charity bike ride from London to Brighton in June.',
      'Sam: Did sixty miles on the road bike today, my legs are jelly.',
      'Sam: We made it to Brighton! Raised eleven hundred pounds for the children’s hospice.',
    ],
    questions: [
      ['What charity ride did Sam do?', [0, 2]],
      ['How much money did Sam raise for the hospice?', [2]],
      ['How did Sam train for the cycling trip?', [1]],
    ],
  },
  {
    id: 'wrist',
    pair: 0,
    turns: [
      'Priya: My mum had a fall on the ice last week and broke her wrist.',
      'Priya: Mum’s cast comes off on Friday, she cannot wait to knit again.',
      'Priya: I have been driving to Leicester every Sunday to help Mum with the shopping.',
    ],
    questions: [
      ['What happened to Priya’s mum’s wrist?', [0, 1]],
      ['Why does Priya drive to Leicester?', [2]],
      ['How does Priya support her mother?', [2]],
    ],
  },
  {
    id: 'career',
    pair: 0,
    turns: [
      'Sam: I handed in my notice at the school today. Twelve years of teaching chemistry.',
      'Sam: The coding bootcamp starts in September, sixteen weeks, full time.',
      'Sam: I got an offer from a small company that makes booking software for dentists!',
      'Sam: First week as a junior developer done. Everyone is half my age but very patient.',
    ],
    questions: [
      ['What subject did Sam teach at the school?', [0]],
      ['How did Sam retrain for a new profession?', [1]],
      ['What job did Sam get after the bootcamp?', [2, 3]],
    ],
  },
  {
    id: 'goa',
    pair: 0,
    turns: [
      'Priya: My sister Anjali is getting married in Goa in December.',
      'Priya: I am giving a speech at Anjali’s wedding and I have written nothing so far.',
      'Priya: The wedding was beautiful, three days of dancing, and my speech made Anjali cry in a good way.',
    ],
    questions: [
      ['Where is Anjali’s wedding?', [0]],
      ['How did Priya’s wedding speech go?', [1, 2]],
      ['Whose marriage ceremony did Priya attend?', [0, 2]],
    ],
  },
  {
    id: 'allotment',
    pair: 0,
    turns: [
      'Sam: I finally got a plot at the allotments behind the station after two years on the waiting list.',
      'Sam: The tomatoes are coming along, but slugs ate every single lettuce.',
      'Sam: I gave a whole bag of courgettes to the neighbours, I grew far too many.',
    ],
    questions: [
      ['What does Sam grow on his allotment?', [1, 2]],
      ['How long did Sam wait for his plot?', [0]],
    ],
  },
  {
    id: 'smudge',
    pair: 0,
    turns: [
      'Priya: We rescued a grey cat from the shelter, she is called Smudge.',
      'Priya: Smudge knocked my coffee onto the laptop this morning.',
      'Priya: The vet says Smudge needs a special diet for her kidneys.',
    ],
    questions: [
      ['What pet does Priya have?', [0, 1, 2]],
      ['What did the vet say about Smudge?', [2]],
      ['What animal does Priya own?', [0, 1, 2]],
    ],
  },
  {
    id: 'band',
    pair: 0,
    turns: [
      'Sam: My band has a gig at the Crown on Friday, we are third on the bill.',
      'Sam: I bought a second-hand bass, a Fender from the seventies.',
      'Sam: The gig went well, someone from a label even asked for our demo.',
    ],
    questions: [
      ['What bass guitar did Sam buy?', [1]],
      ['How did the gig with Sam’s band go?', [0, 2]],
    ],
  },
  {
    id: 'swim',
    pair: 0,
    turns: [
      'Priya: I am finally learning to swim, adult lessons at the leisure centre on Wednesdays.',
      'Priya: I managed a full length of the pool without the float today!',
      'Priya: Next month I am doing my first open water session in the lake.',
    ],
    questions: [
      ['Where is Priya taking swimming lessons?', [0, 1]],
      ['When is Priya’s first open water swim?', [2]],
      ['What skill is Priya learning as a grown-up?', [0, 1]],
    ],
  },
  {
    id: 'iceland',
    pair: 0,
    turns: [
      'Sam: We booked a week in Iceland for March, hoping to see the northern lights.',
      'Sam: Iceland was freezing, we hired a jeep and drove the ring road.',
      'Sam: On the last night we finally saw the aurora, green waves all over the sky.',
    ],
    questions: [
      ['What did Sam do in Iceland?', [0, 1, 2]],
      ['Did Sam see the northern lights?', [2]],
    ],
  },
  {
    id: 'ward',
    pair: 0,
    turns: [
      'Priya: Twelve-hour shifts on the children’s ward this week, I am shattered.',
      'Priya: I applied for the charge nurse post, the interview is on Thursday.',
      'Priya: I got it! I am the new charge nurse from next month.',
    ],
    questions: [
      ['What does Priya do at the hospital?', [0, 1, 2]],
      ['Did Priya get the charge nurse job?', [1, 2]],
    ],
  },
  {
    id: 'move',
    pair: 0,
    turns: [
      'Sam: Our landlord is selling the house, so we have to be out by July.',
      'Sam: We viewed a flat near the canal, two bedrooms and a tiny balcony.',
      'Sam: Moving day was a nightmare, the van broke down on the motorway.',
    ],
    questions: [
      ['Why does Sam have to move out?', [0]],
      ['What flat did Sam view?', [1]],
      ['What went wrong on Sam’s moving day?', [2]],
    ],
  },
  {
    id: 'gran',
    pair: 0,
    turns: [
      'Sam: My grandmother turns ninety next month, we are throwing a party at the village hall.',
      'Sam: I am baking the cake for Gran, a three-layer lemon sponge.',
      'Sam: Gran danced with everyone at her party, she outlasted all the grandchildren.',
    ],
    questions: [
      ['How did Gran’s ninetieth birthday party go?', [0, 2]],
      ['What cake did Sam bake?', [1]],
    ],
  },
  {
    id: 'bookclub',
    pair: 0,
    turns: [
      'Priya: My book club is reading Middlemarch, which is eight hundred pages long.',
      'Priya: We argued about the ending for two hours at book club, Dorothea deserved better.',
    ],
    questions: [
      ['What book is Priya’s book club reading?', [0, 1]],
      ['Which novel is Priya’s reading group discussing?', [0, 1]],
    ],
  },
  {
    id: 'thesis',
    pair: 1,
    turns: [
      'Elena: I submitted my thesis on glacier melt in the Alps last night.',
      'Elena: My viva is booked for the fourteenth, I have to defend the whole thing in front of two examiners.',
      'Elena: I passed with minor corrections! Doctor Elena from now on.',
    ],
    questions: [
      ['What was Elena’s thesis about?', [0]],
      ['Did Elena pass her viva?', [1, 2]],
      ['How did Elena’s doctoral exam go?', [1, 2]],
    ],
  },
  {
    id: 'baby',
    pair: 1,
    turns: [
      'Jonas: Big news, Mira is pregnant, the baby is due in November.',
      'Jonas: We painted the nursery yellow, since we do not know if it is a boy or a girl.',
      'Jonas: Our son Leon was born on Tuesday night, three point four kilos.',
      'Jonas: Leon slept four hours in a row last night, we felt like new people.',
    ],
    questions: [
      ['When is Mira’s baby due?', [0]],
      ['What did Jonas and Mira name their son?', [2, 3]],
      ['What colour is the nursery?', [1]],
    ],
  },
  {
    id: 'car',
    pair: 1,
    turns: [
      'Elena: Someone reversed into my car in the supermarket car park.',
      'Elena: The insurance wrote it off, so I am looking at electric cars now.',
      'Elena: I picked up the new one, a used Nissan Leaf, it is so quiet.',
    ],
    questions: [
      ['What happened to Elena’s car?', [0, 1]],
      ['Which electric car did Elena buy?', [1, 2]],
    ],
  },
  {
    id: 'chess',
    pair: 1,
    turns: [
      'Jonas: I joined a chess club that meets in the library on Monday evenings.',
      'Jonas: Lost all four games at the weekend tournament, but I learned a lot.',
      'Jonas: My rating went up by a hundred points after the winter league.',
    ],
    questions: [
      ['When does Jonas’s chess club meet?', [0]],
      ['How is Jonas doing at chess?', [1, 2]],
      ['What board game has Jonas taken up?', [0, 1, 2]],
    ],
  },
  {
    id: 'foodbank',
    pair: 1,
    turns: [
      'Elena: I started volunteering at the food bank on Saturday mornings.',
      'Elena: We packed four hundred parcels before Christmas at the food bank.',
      'Elena: They asked me to coordinate the other volunteers from January.',
    ],
    questions: [
      ['What does Elena do at the food bank?', [0, 1, 2]],
      ['How many parcels did the food bank pack?', [1]],
    ],
  },
  {
    id: 'library',
    pair: 1,
    turns: [
      'Jonas: Our office won the competition to design the new town library.',
      'Jonas: Construction started, I visit the building site every Thursday.',
      'Jonas: The library opened to the public yesterday, the children’s corner was my idea.',
    ],
    questions: [
      ['What did Jonas’s office design?', [0, 1, 2]],
      ['What was Jonas’s idea for the library?', [2]],
    ],
  },
  {
    id: 'migraine',
    pair: 1,
    turns: [
      'Elena: These migraines are getting worse, I had three this week.',
      'Elena: The neurologist thinks it is linked to screen time and told me to take breaks every hour.',
      'Elena: Since I cut down on coffee the headaches are much rarer.',
    ],
    questions: [
      ['What did the neurologist tell Elena?', [1]],
      ['How is Elena dealing with her migraines?', [0, 1, 2]],
      ['What medical condition does Elena suffer from?', [0, 1, 2]],
    ],
  },
  {
    id: 'algarve',
    pair: 1,
    turns: [
      'Jonas: My parents sold their house and are retiring to the Algarve.',
      'Jonas: Flew down to help my parents unpack, their new place has a lemon tree in the garden.',
    ],
    questions: [['Where did Jonas’s parents retire to?', [0, 1]]],
  },
  {
    id: 'japanese',
    pair: 1,
    turns: [
      'Elena: I downloaded a Japanese app and practise twenty minutes every morning.',
      'Elena: Our trip is in April, Tokyo first and then Kyoto.',
      'Elena: I ordered ramen in Japanese and the waiter understood me!',
    ],
    questions: [
      ['How is Elena learning Japanese?', [0, 2]],
      ['When is Elena’s trip to Japan?', [1]],
    ],
  },
  {
    id: 'bike',
    pair: 1,
    turns: [
      'Jonas: Someone stole my bike from outside the station, they cut straight through the lock.',
      'Jonas: The police said there is almost no chance of getting it back.',
      'Jonas: I bought a heavy folding bike so I can take it inside the office.',
    ],
    questions: [
      ['What happened to Jonas’s bike?', [0, 1]],
      ['What kind of bike did Jonas buy?', [2]],
    ],
  },
  {
    id: 'karim',
    pair: 1,
    turns: [
      'Elena: Karim and I are moving in together, we found a place in the old town.',
      'Elena: Karim brought three guitars and a cactus, that is all his furniture.',
      'Elena: Karim proposed on the balcony last night! I said yes.',
    ],
    questions: [
      ['Who is Karim?', [0, 1, 2]],
      ['Did Elena get engaged?', [2]],
    ],
  },
  {
    id: 'marathon',
    pair: 1,
    turns: [
      'Jonas: I am running the Berlin marathon in September, my first one.',
      'Jonas: Thirty kilometres this morning, my knee started hurting near the end.',
      'Jonas: Finished Berlin in four hours and two minutes. So close to under four!',
    ],
    questions: [
      ['Which marathon did Jonas run?', [0, 2]],
      ['What was Jonas’s marathon time?', [2]],
      ['Why did Jonas’s knee hurt?', [1]],
    ],
  },
  {
    id: 'sourdough',
    pair: 0,
    turns: [
      'Priya: I have been keeping a sourdough starter alive for a month, I named it Gerald.',
      'Priya: My third loaf finally rose properly, crusty outside and soft inside.',
    ],
    questions: [
      ['What is Gerald?', [0]],
      ['How is Priya’s sourdough baking going?', [0, 1]],
    ],
  },
  {
    id: 'flood',
    pair: 1,
    turns: [
      'Elena: The flat upstairs had a burst pipe and water came through our bathroom ceiling.',
      'Elena: The plasterers finally fixed the ceiling, three weeks of a bucket in the bath.',
    ],
    questions: [['What happened to Elena’s bathroom ceiling?', [0, 1]]],
  },
  {
    id: 'driving',
    pair: 0,
    turns: [
      'Priya: I failed my driving test again, the examiner said I was too hesitant at roundabouts.',
      'Priya: Booked ten more lessons with a new instructor, Dave, who is very calm.',
      'Priya: Passed my driving test this morning! Third time lucky.',
    ],
    questions: [
      ['Did Priya pass her driving test?', [0, 2]],
      ['Who is Dave?', [1]],
      ['How many attempts did Priya need to get her licence?', [0, 2]],
    ],
  },
  {
    id: 'olly',
    pair: 0,
    turns: [
      'Sam: My brother Olly is moving to Canada for a job in Toronto.',
      'Sam: We had Olly’s leaving do at the pub, Mum cried twice.',
      'Sam: Video call with Olly, he says Toronto is minus twenty.',
    ],
    questions: [
      ['Where did Sam’s brother move?', [0, 2]],
      ['How did the family say goodbye to Olly?', [1]],
    ],
  },
  {
    id: 'glasses',
    pair: 0,
    turns: [
      'Priya: The optician says I need reading glasses, I am officially old.',
      'Priya: Picked up my new glasses, tortoiseshell frames, I love them.',
    ],
    questions: [
      ['What did the optician tell Priya?', [0]],
      ['Does Priya wear spectacles?', [0, 1]],
    ],
  },
  {
    id: 'quiz',
    pair: 0,
    turns: [
      'Sam: Our pub quiz team finally won, the prize was a forty pound bar tab.',
      'Sam: We lost the quiz on a question about Roman emperors, never again.',
    ],
    questions: [['Has Sam’s quiz team ever won?', [0, 1]]],
  },
  {
    id: 'lisbon',
    pair: 0,
    turns: [
      'Priya: We are going to Lisbon for a long weekend in May.',
      'Priya: Lisbon was gorgeous, we ate custard tarts every single day.',
      'Priya: I got sunburnt on the tram tour, lesson learned.',
    ],
    questions: [
      ['Where did Priya go for a long weekend?', [0, 1]],
      ['What did Priya eat in Lisbon?', [1]],
      ['How was Priya’s city break in Portugal?', [1, 2]],
    ],
  },
  {
    id: 'laptop',
    pair: 0,
    turns: [
      'Sam: My laptop died the night before my bootcamp project was due.',
      'Sam: Bought a refurbished ThinkPad, it is faster than the old one anyway.',
    ],
    questions: [
      ['What computer does Sam use now?', [1]],
      ['What happened to Sam’s old laptop?', [0]],
    ],
  },
  {
    id: 'tree',
    pair: 1,
    turns: [
      'Jonas: We planted an apple tree in the garden the week Leon was born.',
      'Jonas: The apple tree has its first blossom, Mira took a hundred photos.',
    ],
    questions: [
      ['What did Jonas plant when his son was born?', [0]],
      ['How is Jonas’s apple tree doing?', [0, 1]],
    ],
  },
  {
    id: 'lucia',
    pair: 1,
    turns: [
      'Elena: My sister Lucia is visiting from Madrid for two weeks.',
      'Elena: Lucia and I went hiking in the mountains, she is much fitter than me.',
      'Elena: Dropped Lucia at the airport this morning, the flat feels empty.',
    ],
    questions: [
      ['Who visited Elena from Madrid?', [0, 1, 2]],
      ['What did Elena do with her sister?', [1]],
    ],
  },
  {
    id: 'project',
    pair: 1,
    turns: [
      'Jonas: My boss wants me to lead the new hospital project, which means a lot of travel.',
      'Jonas: I said no to the hospital project, I want to be home for Leon.',
    ],
    questions: [['Why did Jonas turn down leading the project?', [0, 1]]],
  },
  {
    id: 'oslo',
    pair: 1,
    turns: [
      'Elena: I am presenting my glacier results at a conference in Vienna.',
      'Elena: The Vienna talk went fine, a professor from Oslo asked me about a postdoc.',
      'Elena: I accepted the postdoc in Oslo, I start in August.',
    ],
    questions: [
      ['Where did Elena present her research?', [0, 1]],
      ['What job did Elena accept after her PhD?', [1, 2]],
      ['When does Elena start in Oslo?', [2]],
    ],
  },
  {
    id: 'tooth',
    pair: 1,
    turns: [
      'Jonas: Chipped a tooth on an olive stone at dinner.',
      'Jonas: The dentist put a crown on it, cost me three hundred euros.',
    ],
    questions: [
      ['What happened to Jonas’s tooth?', [0, 1]],
      ['How much did Jonas’s dental work cost?', [1]],
    ],
  },
  {
    id: 'vegan',
    pair: 1,
    turns: [
      'Elena: I am trying a vegan month, so far I miss cheese the most.',
      'Elena: The vegan month is over, I kept oat milk but went back to cheese.',
    ],
    questions: [
      ['What diet did Elena try?', [0, 1]],
      ['What did Elena keep from her vegan month?', [1]],
    ],
  },
];

/** Small talk, each line said once, by the speaker it names. */
const SMALL_TALK: [pair: 0 | 1, line: string][] = [
  ...[
    'Priya: Hi Sam! How was your week?',
    'Sam: Busy as always. Yours?',
    'Priya: Long, but a good kind of long.',
    'Sam: Same here, I am looking forward to the weekend.',
    'Priya: Any plans for the weekend?',
    'Sam: Nothing much, maybe a walk if the weather holds.',
    'Priya: It rained all day here, I stayed home with a film.',
    'Sam: Which film?',
    'Priya: Some old thriller, I fell asleep halfway through.',
    'Sam: Ha, that is the best kind of evening.',
    'Priya: How is everyone at home?',
    'Sam: All fine, thanks for asking.',
    'Priya: Sorry I did not reply yesterday, work was chaos.',
    'Sam: No worries at all.',
    'Priya: We should meet up soon, it has been too long.',
    'Sam: Definitely, maybe next month when things calm down.',
    'Priya: I just made tea, it is that kind of day.',
    'Sam: I am on my third coffee already.',
    'Priya: Did you watch the match last night?',
    'Sam: I missed it, who won?',
    'Priya: No idea either, I only saw the first half.',
    'Sam: Typical.',
    'Priya: Anyway, enough about me. What is new with you?',
    'Sam: Not much this week, honestly.',
    'Priya: That sounds lovely.',
    'Sam: That sounds stressful, hope it gets better.',
    'Priya: Thanks, I will keep you posted.',
    'Sam: Please do!',
    'Priya: Talk soon, I have to run.',
    'Sam: Speak soon, take care.',
    'Priya: Good morning! Up early today.',
    'Sam: Morning! Could not sleep, so here I am.',
    'Priya: I know the feeling.',
    'Sam: How was your day?',
    'Priya: Fine, nothing special, just work and home.',
    'Sam: Sounds like my week too.',
    'Priya: Send me a photo next time!',
    'Sam: Will do.',
    'Priya: Oh, that reminds me, I owe you a lunch.',
    'Sam: I will hold you to that.',
    'Priya: Ha, fair enough.',
    'Sam: Right, I should get back to it.',
    'Priya: Good luck with everything this week.',
    'Sam: Thanks, you too.',
    'Priya: Is it still cold where you are?',
    'Sam: Freezing, I wore two jumpers today.',
    'Priya: Spring cannot come soon enough.',
    'Sam: Agreed.',
    'Priya: Ugh, Mondays.',
    'Sam: Tell me about it.',
    'Priya: I finally cleaned the flat, it only took all day.',
    'Sam: I should do the same, it is a mess here.',
    'Priya: What are you having for dinner?',
    'Sam: Pasta again, I have no imagination.',
    'Priya: Pasta is always the right answer.',
    'Sam: My train was late again this morning.',
    'Priya: Of course it was.',
    'Sam: Did you sleep well?',
    'Priya: Not really, the neighbours had a party.',
    'Sam: Earplugs, that is my only advice.',
    'Priya: Happy Friday!',
    'Sam: Finally! What a week.',
    'Priya: I am so behind on messages, sorry.',
    'Sam: Honestly, same.',
  ].map((line): [0, string] => [0, line]),
  ...[
    'Jonas: Hey Elena, long time no talk!',
    'Elena: Jonas! I was just thinking about you.',
    'Jonas: How have you been?',
    'Elena: Good, tired, the usual. And you?',
    'Jonas: Pretty good, all things considered.',
    'Elena: Any news since last time?',
    'Jonas: A little, I will tell you in a minute.',
    'Elena: I am intrigued.',
    'Jonas: How is the weather over there?',
    'Elena: Grey and windy, as usual for this time of year.',
    'Jonas: Same here, I have not seen the sun in a week.',
    'Elena: We need a holiday somewhere warm.',
    'Jonas: Sorry for the late reply, my phone died.',
    'Elena: No problem, I was out anyway.',
    'Jonas: What did you do last weekend?',
    'Elena: Mostly cleaning and sleeping, very glamorous.',
    'Jonas: Sounds perfect to me.',
    'Elena: It really was.',
    'Jonas: I just got home from work, finally.',
    'Elena: Long day?',
    'Jonas: Very, but a good one.',
    'Elena: Glad to hear it.',
    'Jonas: Did you see the news about the trains?',
    'Elena: Yes, another strike next week. I will work from home.',
    'Jonas: Lucky you.',
    'Elena: Tell me everything.',
    'Jonas: That is amazing, well done!',
    'Elena: Thank you, I am still a bit in shock.',
    'Jonas: Oh no, I am sorry to hear that.',
    'Elena: It is fine, these things happen.',
    'Jonas: Let me know if I can help.',
    'Elena: That is kind of you, thanks.',
    'Jonas: Anyway, I should go and make dinner.',
    'Elena: Enjoy, talk later.',
    'Jonas: Morning! Coffee in hand?',
    'Elena: Always. Second cup already.',
    'Jonas: Any plans for the evening?',
    'Elena: A quiet night in, I think.',
    'Jonas: Good idea, I might do the same.',
    'Elena: How is your family doing?',
    'Jonas: Everyone is well, thanks.',
    'Elena: Say hello from me.',
    'Jonas: Will do!',
    'Elena: Speak soon, have a good week.',
    'Jonas: You too, bye for now.',
    'Elena: Ha, classic Jonas.',
    'Jonas: I know, I know.',
    'Elena: Right, back to work for me.',
    'Jonas: Happy weekend!',
    'Elena: You too, any plans?',
    'Jonas: Just resting, I think.',
    'Elena: I might go to the market tomorrow.',
    'Jonas: Bring me some of those pastries.',
    'Elena: Ha, only if you come along.',
    'Jonas: What a day, I need a nap.',
    'Elena: Naps are underrated.',
    'Jonas: Did you get my message yesterday?',
    'Elena: I did, sorry, I forgot to answer.',
    'Jonas: Are you free for a call on Sunday?',
    'Elena: Sunday works, after lunch.',
    'Jonas: Perfect, talk then.',
    'Elena: My internet has been terrible all week.',
    'Jonas: Have you tried turning it off and on again?',
    'Elena: Very funny.',
  ].map((line): [1, string] => [1, line]),
];

const SESSIONS = 10;

/** Each conversation's sessions, each a list of [key, turn]: threads spread out, small talk between. */
function conversations(): [key: string, content: string][][][] {
  const random = mulberry32(19);
  const sessions = [0, 1].map(() => Array.from({ length: SESSIONS }, (): [string, string][] => []));
  for (const thread of THREADS) {
    // Distinct sessions, in order: a thread unfolds over weeks.
    const picked = [...Array(SESSIONS).keys()]
      .map((session) => [session, random()] as const)
      .sort((a, b) => a[1] - b[1])
      .slice(0, thread.turns.length)
      .map(([session]) => session)
      .sort((a, b) => a - b);
    thread.turns.forEach((turn, at) => {
      sessions[thread.pair]![picked[at]!]!.push([`${thread.id}-${at}`, turn]);
    });
  }
  SMALL_TALK.forEach(([pair, line], at) => {
    sessions[pair]![Math.floor(random() * SESSIONS)]!.push([`talk-${at}`, line]);
  });
  for (const pair of sessions) {
    for (const session of pair) {
      const order = session.map((turn) => [turn, random()] as const).sort((a, b) => a[1] - b[1]);
      session.splice(0, session.length, ...order.map(([turn]) => turn));
    }
  }
  return sessions;
}

export const THREADS_CORPUS: CorpusMemory[] = conversations().flatMap((pair) =>
  pair.flatMap((session) =>
    session.map(([key, content]) => ({ key, title: '', tags: [], importance: 0.5, content })),
  ),
);

export const THREADS_QUESTIONS: CorpusQuestion[] = THREADS.flatMap((thread) =>
  thread.questions.map(([question, evidence]) => ({
    question,
    answers: evidence.map((at) => `${thread.id}-${at}`),
  })),
);
